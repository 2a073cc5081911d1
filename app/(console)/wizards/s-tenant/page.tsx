'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { tenantScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={tenantScenario} />;
}
