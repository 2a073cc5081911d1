'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { eipScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={eipScenario} />;
}
