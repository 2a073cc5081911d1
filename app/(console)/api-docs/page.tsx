import { ApiDocs } from '@/components/shell/ApiDocs';

export default function Page() {
  return <ApiDocs />;
}
