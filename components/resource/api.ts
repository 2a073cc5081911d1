'use client';
import type { QueryFilters, UseMutationOptions, UseQueryOptions } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useTRPC } from '../trpc';
import type { RouterKey } from './types';

/**
 * The generic pages reach a router by its key. tRPC's options proxy is fully typed per router; the
 * generic pages only need this common shape, so they view it through this interface.
 */
export interface RouterOptions {
  list: { queryOptions(input: unknown): UseQueryOptions<{ items: Array<Record<string, unknown>>; total: number }> };
  get: { queryOptions(input: { id: string }): UseQueryOptions<Record<string, unknown>> };
  create: { mutationOptions(): UseMutationOptions<Record<string, unknown>, unknown, unknown> };
  update: { mutationOptions(): UseMutationOptions<Record<string, unknown>, unknown, unknown> };
  delete: { mutationOptions(): UseMutationOptions<{ id: string }, unknown, { id: string }> };
  pathFilter(): QueryFilters;
}

export function useRouterOptions(key: RouterKey): RouterOptions {
  const trpc = useTRPC();
  return (trpc as unknown as Record<RouterKey, RouterOptions>)[key];
}

export interface ApiFailure {
  message: string;
  field?: string;
  fieldErrors?: Record<string, string[] | undefined>;
  code?: string;
}

/** What the server said, in a shape forms can show beside the right field. */
export function describeError(err: unknown): ApiFailure {
  if (err instanceof TRPCClientError) {
    const data = err.data as { field?: string; fieldErrors?: Record<string, string[]>; domainCode?: string } | undefined;
    return { message: err.message, field: data?.field, fieldErrors: data?.fieldErrors, code: data?.domainCode };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}
