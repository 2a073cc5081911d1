'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { threeTierScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={threeTierScenario} />;
}
