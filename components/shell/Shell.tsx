'use client';
import Image from 'next/image';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/context';
import type { MessageKey } from '../i18n/messages';
import { useTRPC } from '../trpc';
import { ActorProvider, type ActorInfo } from './actor';
import { cx } from '../ui/primitives';
import { LabBanner } from './LabBanner';

interface NavGroup {
  title: MessageKey;
  sub?: MessageKey;
  items: Array<{ href: string; label: MessageKey; adminOnly?: boolean }>;
}

/** The tutorial's menus (SPEC §7); only what exists is listed. */
const NAV: NavGroup[] = [
  {
    title: 'nav.hardware',
    items: [
      { href: '/zones', label: 'nav.zones' },
      { href: '/clusters', label: 'nav.clusters' },
      { href: '/hosts', label: 'nav.hosts' },
      { href: '/backup-storages', label: 'nav.backupStorages' },
      { href: '/primary-storages', label: 'nav.primaryStorages' },
    ],
  },
  {
    title: 'nav.resourcePool',
    items: [
      { href: '/vms', label: 'nav.vms' },
      { href: '/images', label: 'nav.images' },
      { href: '/instance-offerings', label: 'nav.instanceOfferings' },
    ],
  },
  {
    title: 'nav.networkResources',
    sub: 'nav.l2Resources',
    items: [
      { href: '/l2-networks', label: 'nav.l2Networks' },
      { href: '/vxlan-pools', label: 'nav.vxlanPools' },
    ],
  },
  {
    title: 'nav.networkResources',
    sub: 'nav.l3Networks',
    items: [
      { href: '/public-networks', label: 'nav.publicNetworks' },
      { href: '/system-networks', label: 'nav.systemNetworks' },
      { href: '/private-networks', label: 'nav.privateNetworks' },
    ],
  },
  {
    title: 'nav.networkResources',
    sub: 'nav.routingResources',
    items: [
      { href: '/vrouter-images', label: 'nav.vrouterImages' },
      { href: '/vrouter-offerings', label: 'nav.vrouterOfferings' },
      { href: '/vrouters', label: 'nav.vrouters' },
    ],
  },
  {
    title: 'nav.networkServices',
    items: [
      { href: '/vips', label: 'nav.vips' },
      { href: '/eips', label: 'nav.eips' },
      { href: '/port-forwards', label: 'nav.portForwards' },
      { href: '/load-balancers', label: 'nav.loadBalancers' },
      { href: '/listeners', label: 'nav.listeners' },
      { href: '/lb-certificates', label: 'nav.lbCertificates' },
      { href: '/route-tables', label: 'nav.routeTables' },
      { href: '/security-groups', label: 'nav.securityGroups' },
      { href: '/why-blocked', label: 'nav.whyBlocked' },
    ],
  },
  {
    title: 'nav.wizards',
    items: [
      { href: '/wizards/s-basic', label: 'nav.wizardBasic' },
      { href: '/wizards/s-tenant', label: 'nav.wizardTenant', adminOnly: true },
      { href: '/wizards/s-3tier', label: 'nav.wizard3tier', adminOnly: true },
      { href: '/wizards/s-eip', label: 'nav.wizardEip', adminOnly: true },
      { href: '/wizards/s-pf', label: 'nav.wizardPf', adminOnly: true },
      { href: '/wizards/s-lb', label: 'nav.wizardLb', adminOnly: true },
      { href: '/wizards/s-sg', label: 'nav.wizardSg', adminOnly: true },
    ],
  },
  {
    title: 'nav.settings',
    items: [
      { href: '/accounts', label: 'nav.accounts', adminOnly: true },
      { href: '/api-tokens', label: 'nav.apiTokens' },
      { href: '/api-docs', label: 'nav.apiDocs' },
    ],
  },
];

export function Shell({ actor, children }: { actor: ActorInfo; children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const pathname = usePathname();
  const router = useRouter();
  const trpc = useTRPC();
  const logout = useMutation(trpc.auth.logout.mutationOptions());
  return (
    <ActorProvider actor={actor}>
      <div className="flex min-h-screen">
        <aside className="w-60 shrink-0 border-r border-slate-200 bg-slate-900 text-slate-200">
          <div className="px-4 py-4 text-lg font-semibold text-white">
            <Link href="/" className="flex items-center gap-2">
              <Image src="/logo.svg" alt={t('app.title')} width={165} height={30} unoptimized priority />
            </Link>
          </div>
          <nav aria-label="main" className="space-y-4 px-2 pb-6 text-sm">
            {NAV.map((g) => (
              <div key={`${g.title}-${g.sub ?? ''}`}>
                <div className="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">
                  {t(g.title)}
                  {g.sub && <span className="normal-case"> › {t(g.sub)}</span>}
                </div>
                <ul>
                  {g.items
                    .filter((i) => !i.adminOnly || actor.role === 'admin')
                    .map((i) => {
                      const active = pathname === i.href || pathname.startsWith(`${i.href}/`);
                      return (
                        <li key={i.href}>
                          <Link
                            href={i.href}
                            aria-current={active ? 'page' : undefined}
                            className={cx('block rounded px-2 py-1.5', active ? 'bg-sky-700 text-white' : 'hover:bg-slate-800')}
                          >
                            {t(i.label)}
                          </Link>
                        </li>
                      );
                    })}
                </ul>
              </div>
            ))}
          </nav>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex items-center justify-end gap-4 border-b border-slate-200 bg-white px-6 py-2 text-sm">
            <label className="flex items-center gap-2">
              <span className="text-slate-500">{t('common.language')}</span>
              <select
                aria-label={t('common.language')}
                value={lang}
                onChange={(e) => setLang(e.target.value === 'zh' ? 'zh' : 'en')}
                className="rounded border border-slate-300 px-1 py-0.5"
              >
                <option value="en">English</option>
                <option value="zh">简体中文</option>
              </select>
            </label>
            <span data-testid="actor">
              {actor.name} · {t(actor.role === 'admin' ? 'opt.admin' : 'opt.tenant')}
            </span>
            <button
              className="text-sky-700 hover:underline"
              onClick={async () => {
                await logout.mutateAsync();
                router.replace('/login');
                router.refresh();
              }}
            >
              {t('common.logout')}
            </button>
          </header>
          <main className="flex-1 p-6">
            <LabBanner />
            {children}
          </main>
        </div>
      </div>
    </ActorProvider>
  );
}
