import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { ReactNode } from 'react';
import type { z } from 'zod';
import type { AppRouter } from '@/server/trpc/router';
import type { MessageKey } from '../i18n/messages';

/** Keys of the tRPC routers that the generic resource pages drive. */
export type RouterKey =
  | 'zone'
  | 'cluster'
  | 'host'
  | 'backupStorage'
  | 'primaryStorage'
  | 'image'
  | 'instanceOffering'
  | 'vrouterOffering'
  | 'l2'
  | 'vxlanPool'
  | 'l3'
  | 'vm'
  | 'vrouter'
  | 'vip'
  | 'eip'
  | 'portForward'
  | 'routeTable'
  | 'securityGroup'
  | 'loadBalancer'
  | 'listener'
  | 'lbCertificate';

export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;
export type Row = Record<string, unknown> & { id: string; name: string };

export interface FieldDef {
  name: string;
  label: MessageKey;
  /** `nic`: a VM NIC, picked by VM name, network and address; `nics`: several. */
  kind: 'text' | 'textarea' | 'number' | 'select' | 'ref' | 'refs' | 'checkbox' | 'csv' | 'nic' | 'nics' | 'multi';
  /** Options show a translated label, or literal text (units, codes). */
  options?: Array<{ value: string; label?: MessageKey; text?: string }>;
  ref?: { router: RouterKey; filter?: Record<string, unknown> };
  placeholder?: string;
  hint?: MessageKey;
  initial?: FormValue;
  optional?: boolean;
  showIf?: (v: FormValues) => boolean;
}

export interface ColumnDef {
  key: string;
  label: MessageKey;
  sortable?: boolean;
  render?(row: Row): ReactNode;
}

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;
/** What a router's `create` procedure takes (its zod schema's input). */
export type CreateInput<K extends RouterKey> = Inputs[K] extends { create: infer I } ? I : never;
/** One row of a router's `list` output. */
export type ListItem<K extends RouterKey> = Outputs[K] extends { list: { items: Array<infer R> } } ? R : never;

/** A column of router K's list: its key is a field of that router's rows, `render` gets such a row. */
export interface TypedColumnDef<K extends RouterKey> extends Omit<ColumnDef, 'key' | 'render'> {
  key: keyof ListItem<K> & string;
  render?(row: ListItem<K>): ReactNode;
}

/** A resource page as the generic list, form and detail components read it. */
export interface ResourceDef {
  /** URL segment under the console, e.g. "zones". */
  slug: string;
  router: RouterKey;
  title: MessageKey;
  /** Fixed list filters (e.g. an L3 category), also applied to the create input. */
  filter?: Record<string, unknown>;
  columns: ColumnDef[];
  create?: {
    fields: FieldDef[];
    /** The schema the procedure uses, run in the browser first for instant field errors. */
    schema: z.ZodType;
    toInput(v: FormValues): Record<string, unknown>;
    /** The router has `previewCreate`: the form shows the vRouter's rules before confirming. */
    preview?: boolean;
  };
  /** Create, update and delete are the administrator's. */
  adminWrites: boolean;
  /** Extra sections on the detail page. */
  detail?:
    | 'l2'
    | 'l3'
    | 'vxlanPool'
    | 'vm'
    | 'vrouter'
    | 'vip'
    | 'eip'
    | 'portForward'
    | 'routeTable'
    | 'securityGroup'
    | 'loadBalancer'
    | 'listener'
    | 'lbCertificate';
  /** Fields of a row the detail page's list leaves out (its own sections show them). */
  hidden?: string[];
  /** No create, update or delete from the console (e.g. vRouters, made by the system). */
  readOnly?: boolean;
}

/**
 * A resource page as written in `defs.tsx`: typed by its router, so a field renamed in the
 * procedure's create schema or list output is a compile error in its form or column. The generic
 * pages read it as a `ResourceDef` (every typed definition is one).
 */
export interface TypedResourceDef<K extends RouterKey> extends Omit<ResourceDef, 'router' | 'columns' | 'create'> {
  router: K;
  columns: Array<TypedColumnDef<K>>;
  create?: {
    fields: FieldDef[];
    /** The procedure's own schema (its input type must be the router's). */
    schema: z.ZodType<unknown, CreateInput<K>>;
    toInput(v: FormValues): CreateInput<K>;
    preview?: boolean;
  };
}

/** Any router's typed definition: the `router` key picks which, so each literal is checked against its own router. */
export type AnyTypedResourceDef = { [K in RouterKey]: TypedResourceDef<K> }[RouterKey];
