'use client';
import { createContext, useContext, type ReactNode } from 'react';

export interface ActorInfo {
  name: string;
  role: 'admin' | 'tenant';
}

const ActorContext = createContext<ActorInfo | null>(null);

export function ActorProvider({ actor, children }: { actor: ActorInfo; children: ReactNode }) {
  return <ActorContext.Provider value={actor}>{children}</ActorContext.Provider>;
}

export function useActor(): ActorInfo {
  const a = useContext(ActorContext);
  if (!a) throw new Error('useActor outside the console');
  return a;
}
