import { z } from 'zod';
import { securityGroups } from '@/db/schema';
import {
  AddSgRule,
  CreateSecurityGroup,
  EffectiveRulesView,
  SecurityGroupView,
  SgL3Input,
  SgNicInput,
  SgNicsInput,
  SgRuleRef,
  WhyBlockedInput,
  WhyBlockedView,
} from '../../domain/schema';
import { securityGroupService } from '../../services/security-groups';
import { router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const tags = ['security'];

/** Security groups (R-SG-1..3): rules, networks, member NICs, effective rules and "why blocked?". */
export const securityGroupRouter = router({
  ...crudProcedures({
    path: '/security-groups',
    tag: 'security',
    what: 'security group',
    table: securityGroups,
    create: CreateSecurityGroup,
    view: SecurityGroupView,
    writes: 'tenant',
    service: securityGroupService,
    filters: z.object({ nicId: z.uuid().optional() }),
  }),
  addRule: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/security-groups/{id}/rules',
        tags,
        summary: 'Add an allow rule (R-SG-1)',
        protect: true,
      },
    })
    .input(AddSgRule)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.addRule(ctx.db, ctx.actor, input)),
  deleteRule: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/security-groups/{id}/rules/{ruleId}',
        tags,
        summary: 'Delete a rule, a default one too (R-SG-2)',
        protect: true,
      },
    })
    .input(SgRuleRef)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.deleteRule(ctx.db, ctx.actor, input)),
  attachL3: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/security-groups/{id}/l3s',
        tags,
        summary: 'Serve a network: its VM NICs may join the group',
        protect: true,
      },
    })
    .input(SgL3Input)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.attachL3(ctx.db, ctx.actor, input)),
  detachL3: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/security-groups/{id}/l3s/{l3Id}',
        tags,
        summary: 'Stop serving a network (refused while its NICs are members)',
        protect: true,
      },
    })
    .input(SgL3Input)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.detachL3(ctx.db, ctx.actor, input)),
  addNics: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/security-groups/{id}/nics',
        tags,
        summary: 'Add VM NICs to the group (R-SG-3: their hosts enforce it)',
        protect: true,
      },
    })
    .input(SgNicsInput)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.addNics(ctx.db, ctx.actor, input)),
  removeNic: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/security-groups/{id}/nics/{nicId}',
        tags,
        summary: 'Remove a VM NIC from the group',
        protect: true,
      },
    })
    .input(SgNicInput)
    .output(SecurityGroupView)
    .mutation(({ ctx, input }) => securityGroupService.removeNic(ctx.db, ctx.actor, input)),
  effectiveRules: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/nics/{nicId}/effective-rules',
        tags,
        summary: 'A VM NIC’s groups and the union of their rules (R-SG-2)',
        protect: true,
      },
    })
    .input(z.object({ nicId: z.uuid() }))
    .output(EffectiveRulesView)
    .query(({ ctx, input }) => securityGroupService.effectiveRules(ctx.db, ctx.actor, input.nicId)),
  whyBlocked: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/why-blocked',
        tags,
        summary: 'Would this traffic pass, and which rule (or missing rule) decides? From the desired state',
        protect: true,
      },
    })
    .input(WhyBlockedInput)
    .output(WhyBlockedView)
    .query(({ ctx, input }) => securityGroupService.whyBlocked(ctx.db, ctx.actor, input)),
});
