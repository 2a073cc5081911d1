import { BasicWizard } from '@/components/wizards/BasicWizard';

export default function Page() {
  return <BasicWizard />;
}
