import type { ReactNode } from 'react';
import type { z } from 'zod';
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
  | 'securityGroup';

export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;
export type Row = Record<string, unknown> & { id: string; name: string };

export interface FieldDef {
  name: string;
  label: MessageKey;
  /** `nic`: a VM NIC, picked by VM name, network and address; `nics`: several. */
  kind: 'text' | 'number' | 'select' | 'ref' | 'refs' | 'checkbox' | 'csv' | 'nic' | 'nics';
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
  render?: (row: Row) => ReactNode;
}

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
  detail?: 'l2' | 'l3' | 'vxlanPool' | 'vm' | 'vrouter' | 'vip' | 'eip' | 'portForward' | 'routeTable' | 'securityGroup';
  /** No create, update or delete from the console (e.g. vRouters, made by the system). */
  readOnly?: boolean;
}
