import { notFound } from 'next/navigation';
import { AccountsPage } from '@/components/shell/AccountsPage';
import { currentActor } from '@/server/session';

export default async function Page() {
  if ((await currentActor())?.role !== 'admin') notFound();
  return <AccountsPage />;
}
