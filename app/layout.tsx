import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { I18nProvider } from '@/components/i18n/context';
import { LANG_COOKIE, type Lang } from '@/components/i18n/messages';
import { ApiProvider } from '@/components/trpc';
import './globals.css';

export const metadata: Metadata = {
  title: 'CloudRouter',
  description: 'Cloud networking control plane',
  icons: { icon: '/favicon.svg' },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const lang: Lang = (await cookies()).get(LANG_COOKIE)?.value === 'zh' ? 'zh' : 'en';
  return (
    <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <I18nProvider initial={lang}>
          <ApiProvider>{children}</ApiProvider>
        </I18nProvider>
      </body>
    </html>
  );
}
