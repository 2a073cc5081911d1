import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/shell/LoginForm';
import { currentActor } from '@/server/session';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (await currentActor()) redirect('/zones');
  return <LoginForm />;
}
