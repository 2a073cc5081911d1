'use client';
import { ScenarioWizard } from '@/components/wizards/ScenarioWizard';
import { sgScenario } from '@/components/wizards/scenarios';

export default function Page() {
  return <ScenarioWizard scenario={sgScenario} />;
}
