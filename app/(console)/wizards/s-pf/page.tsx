'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { pfScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={pfScenario} />;
}
