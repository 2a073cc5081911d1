import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Shell } from '@/components/shell/Shell';
import { currentActor } from '@/server/session';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  if (!actor) redirect('/login');
  return <Shell actor={{ name: actor.name, role: actor.role }}>{children}</Shell>;
}
