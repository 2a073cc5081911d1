'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { lbScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={lbScenario} />;
}
