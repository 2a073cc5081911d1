import { ApiTokensPage } from '@/components/shell/ApiTokensPage';

export default function Page() {
  return <ApiTokensPage />;
}
