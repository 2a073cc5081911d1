'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/context';
import { describeError } from '../resource/api';
import { useTRPC } from '../trpc';
import { Alert, Button, FieldRow, TextInput } from '../ui/primitives';

export function LoginForm() {
  const { t, lang, setLang } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const login = useMutation(trpc.auth.login.mutationOptions());
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await login.mutateAsync({ name, password });
      router.replace('/zones');
      router.refresh();
    } catch (err) {
      setError(describeError(err).message);
    }
  }

  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-900">
      <form onSubmit={onSubmit} className="w-96 space-y-4 rounded-lg bg-white p-6 shadow-xl">
        <div className="flex items-center justify-between">
          <h1 className="text-lg font-semibold">{t('login.title')}</h1>
          <select
            aria-label={t('common.language')}
            value={lang}
            onChange={(e) => setLang(e.target.value === 'zh' ? 'zh' : 'en')}
            className="rounded border px-1 text-sm"
          >
            <option value="en">English</option>
            <option value="zh">简体中文</option>
          </select>
        </div>
        <FieldRow id="login-name" label={t('login.name')}>
          <TextInput
            id="login-name"
            name="name"
            autoComplete="username"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
          />
        </FieldRow>
        <FieldRow id="login-password" label={t('login.password')}>
          <TextInput
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </FieldRow>
        {error && <Alert>{error}</Alert>}
        <Button type="submit" className="w-full justify-center" disabled={login.isPending}>
          {login.isPending ? t('common.working') : t('login.submit')}
        </Button>
      </form>
    </main>
  );
}
