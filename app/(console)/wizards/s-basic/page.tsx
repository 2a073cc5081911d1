'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { basicScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={basicScenario} />;
}
