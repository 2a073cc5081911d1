/** Load balancing (R-LB-1 … R-LB-6): load balancers, listeners and certificates, with the seed's dialogs. */
import { CreateLbCertificate, CreateListener, CreateLoadBalancer } from '@/server/domain/schema';
import { Badge } from '../../ui/primitives';
import type { FieldDef, FormValues } from '../types';
import { createdCol, define, nameCol, nameFields, naming, optNum, optStr, pick, ref, str, num, csv } from './kit';
import { vipChoice, vipChoiceFields } from './services';

const PROTOCOLS = ['tcp', 'http', 'https', 'udp'] as const;
const ALGORITHMS = ['round-robin', 'least-connections', 'source-hash', 'weighted-round-robin'] as const;
const HTTP_CODES = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'] as const;
const HC_PROTOCOLS = ['tcp', 'http', 'udp'] as const;

/**
 * The listener dialog (R-LB-2): name, protocol, LB port and VM port, and the advanced section with
 * every field the seed lists — each empty field takes the seed's default, shown as its placeholder.
 * Field names are the procedure's (the server's refusals land beside them); in the load balancer
 * dialog, which holds its first listener, the listener's name is `listenerName`.
 */
export function listenerFields(nameKey = 'name'): FieldDef[] {
  const adv = (v: FormValues) => Boolean(v.advanced);
  const http = (v: FormValues) => adv(v) && v.healthCheckProtocol === 'http';
  return [
    { name: nameKey, label: 'field.listenerName', kind: 'text' },
    {
      name: 'protocol',
      label: 'field.protocol',
      kind: 'select',
      options: PROTOCOLS.map((x) => ({ value: x, text: x.toUpperCase() })),
      initial: 'tcp',
    },
    { name: 'lbPort', label: 'field.lbPort', kind: 'number', placeholder: '80' },
    { name: 'vmPort', label: 'field.vmPort', kind: 'number', placeholder: '5000' },
    {
      name: 'certificateId',
      label: 'field.certificate',
      kind: 'ref',
      ref: { router: 'lbCertificate' },
      optional: true,
      showIf: (v) => v.protocol === 'https',
    },
    { name: 'advanced', label: 'field.advanced', kind: 'checkbox' },
    {
      name: 'healthCheckProtocol',
      label: 'field.healthCheckProtocol',
      kind: 'select',
      options: [
        { value: '', label: 'opt.byListenerProtocol' },
        { value: 'tcp', text: 'TCP' },
        { value: 'http', text: 'HTTP' },
        { value: 'udp', text: 'UDP' },
      ],
      initial: '',
      showIf: adv,
    },
    {
      name: 'healthCheckHttpCodes',
      label: 'field.healthCheckHttpCodes',
      kind: 'multi',
      options: HTTP_CODES.map((c) => ({ value: c, text: c })),
      initial: ['http_2xx', 'http_3xx'],
      showIf: http,
    },
    { name: 'healthCheckUri', label: 'field.healthCheckUri', kind: 'text', placeholder: '/healthcheck.html', showIf: http },
    {
      name: 'healthCheckMethod',
      label: 'field.healthCheckMethod',
      kind: 'select',
      options: [
        { value: 'HEAD', text: 'HEAD' },
        { value: 'GET', text: 'GET' },
      ],
      initial: 'HEAD',
      showIf: http,
    },
    {
      name: 'idleTimeoutSeconds',
      label: 'field.idleTimeout',
      kind: 'number',
      placeholder: '60',
      optional: true,
      showIf: adv,
    },
    {
      name: 'healthyThreshold',
      label: 'field.healthyThreshold',
      kind: 'number',
      placeholder: '2',
      optional: true,
      showIf: adv,
    },
    {
      name: 'healthCheckPort',
      label: 'field.healthCheckPort',
      kind: 'number',
      placeholder: 'default',
      hint: 'field.healthCheckPortHint',
      optional: true,
      showIf: adv,
    },
    {
      name: 'unhealthyThreshold',
      label: 'field.unhealthyThreshold',
      kind: 'number',
      placeholder: '2',
      optional: true,
      showIf: adv,
    },
    {
      name: 'healthCheckIntervalSeconds',
      label: 'field.healthCheckInterval',
      kind: 'number',
      placeholder: '5',
      optional: true,
      showIf: adv,
    },
    {
      name: 'maxConnections',
      label: 'field.maxConnections',
      kind: 'number',
      placeholder: '100000',
      hint: 'field.maxConnectionsHint',
      optional: true,
      showIf: adv,
    },
    {
      name: 'algorithm',
      label: 'field.algorithm',
      kind: 'select',
      options: ALGORITHMS.map((a) => ({ value: a, label: `opt.algo.${a}` as const })),
      initial: 'round-robin',
      showIf: adv,
    },
  ];
}

/** A number the user typed, or nothing (the seed's default applies). */
const optional = (v: FormValues, k: string) => optNum(v, k) ?? undefined;

/** The advanced settings the user set (R-LB-2), for create and configure alike. */
export function listenerAdvanced(v: FormValues) {
  if (!v.advanced) return {};
  const hc = HC_PROTOCOLS.find((x) => x === str(v, 'healthCheckProtocol'));
  return {
    algorithm: pick(v, 'algorithm', ALGORITHMS),
    maxConnections: optional(v, 'maxConnections'),
    idleTimeoutSeconds: optional(v, 'idleTimeoutSeconds'),
    healthCheckProtocol: hc,
    healthCheckPort: optNum(v, 'healthCheckPort'),
    healthCheckUri: hc === 'http' ? optStr(v, 'healthCheckUri') : undefined,
    healthCheckMethod: hc === 'http' ? pick(v, 'healthCheckMethod', ['HEAD', 'GET']) : undefined,
    healthCheckHttpCodes: hc === 'http' ? (csv(v, 'healthCheckHttpCodes') as Array<(typeof HTTP_CODES)[number]>) : undefined,
    healthyThreshold: optional(v, 'healthyThreshold'),
    unhealthyThreshold: optional(v, 'unhealthyThreshold'),
    healthCheckIntervalSeconds: optional(v, 'healthCheckIntervalSeconds'),
  };
}

export function listenerInput(v: FormValues, nameKey = 'name') {
  const protocol = pick(v, 'protocol', PROTOCOLS);
  return {
    name: str(v, nameKey),
    description: '',
    protocol,
    lbPort: num(v, 'lbPort'),
    vmPort: num(v, 'vmPort'),
    certificateId: protocol === 'https' ? optStr(v, 'certificateId') : null,
    ...listenerAdvanced(v),
  };
}

const healthy = (n: number) => <Badge tone={n > 0 ? 'green' : 'slate'}>{n}</Badge>;

export const loadBalancing = [
  define({
    slug: 'load-balancers',
    router: 'loadBalancer',
    title: 'page.loadBalancers',
    adminWrites: false,
    detail: 'loadBalancer',
    hidden: ['vipId'],
    columns: [
      nameCol,
      { key: 'vip', label: 'field.vip' },
      {
        key: 'listeners',
        label: 'field.listeners',
        render: (r) =>
          r.listeners.map((l) => `${l.name} (${l.protocol.toUpperCase()} ${l.lbPort}→${l.vmPort})`).join(', ') || '—',
      },
      ref('vrouterId', 'field.vrouter', 'vrouter'),
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        ...vipChoiceFields(),
        { name: 'withListener', label: 'field.withListener', kind: 'checkbox', initial: true },
        ...listenerFields('listenerName').map((f) => ({
          ...f,
          showIf: (v: FormValues) => Boolean(v.withListener) && (!f.showIf || f.showIf(v)),
        })),
      ],
      schema: CreateLoadBalancer,
      preview: true,
      toInput: (v) => ({ ...naming(v), ...vipChoice(v), listener: v.withListener ? listenerInput(v, 'listenerName') : null }),
    },
  }),
  define({
    slug: 'listeners',
    router: 'listener',
    title: 'page.listeners',
    adminWrites: false,
    detail: 'listener',
    // Shown by the Ports column and the listener's Settings and Certificate panels.
    hidden: [
      'lbId',
      'vip',
      'lbPort',
      'vmPort',
      'algorithm',
      'maxConnections',
      'idleTimeoutSeconds',
      'healthCheckProtocol',
      'healthCheckPort',
      'healthCheckUri',
      'healthCheckMethod',
      'healthyThreshold',
      'unhealthyThreshold',
      'healthCheckIntervalSeconds',
      'certificateId',
      'certificateName',
    ],
    columns: [
      nameCol,
      { key: 'lbName', label: 'field.loadBalancer' },
      { key: 'protocol', label: 'field.protocol', render: (r) => r.protocol.toUpperCase() },
      { key: 'lbPort', label: 'field.ports', sortable: true, render: (r) => `${r.vip}:${r.lbPort} → ${r.vmPort}` },
      { key: 'algorithm', label: 'field.algorithm' },
      { key: 'backends', label: 'field.backends', render: (r) => healthy(r.backends.length) },
      { key: 'certificateName', label: 'field.certificate', render: (r) => r.certificateName ?? '—' },
      createdCol,
    ],
    create: {
      fields: [
        { name: 'lbId', label: 'field.loadBalancer', kind: 'ref', ref: { router: 'loadBalancer' } },
        { name: 'description', label: 'field.description', kind: 'text', optional: true },
        ...listenerFields(),
      ],
      schema: CreateListener,
      preview: true,
      toInput: (v) => ({ ...listenerInput(v), description: str(v, 'description'), lbId: str(v, 'lbId') }),
    },
  }),
  define({
    slug: 'lb-certificates',
    router: 'lbCertificate',
    title: 'page.lbCertificates',
    adminWrites: false,
    detail: 'lbCertificate',
    hidden: ['fingerprint', 'hasChain'],
    columns: [
      nameCol,
      { key: 'subject', label: 'field.subject' },
      { key: 'sans', label: 'field.sans', render: (r) => r.sans.join(', ') || '—' },
      {
        key: 'notAfter',
        label: 'field.notAfter',
        render: (r) => {
          const days = Math.floor((new Date(r.notAfter).getTime() - Date.now()) / 86_400_000);
          return (
            <span>
              {new Date(r.notAfter).toLocaleDateString()} {days < 30 && <Badge tone="amber">{days} d</Badge>}
            </span>
          );
        },
      },
      { key: 'listeners', label: 'field.listeners', render: (r) => r.listeners.map((l) => l.name).join(', ') || '—' },
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'certificate', label: 'field.certificatePem', kind: 'textarea', placeholder: '-----BEGIN CERTIFICATE-----' },
        { name: 'chain', label: 'field.chainPem', kind: 'textarea', optional: true, placeholder: '-----BEGIN CERTIFICATE-----' },
        { name: 'privateKey', label: 'field.privateKeyPem', kind: 'textarea', placeholder: '-----BEGIN PRIVATE KEY-----' },
      ],
      schema: CreateLbCertificate,
      toInput: (v) => ({
        ...naming(v),
        certificate: String(v.certificate ?? ''),
        chain: optStr(v, 'chain'),
        privateKey: String(v.privateKey ?? ''),
      }),
    },
  }),
];
