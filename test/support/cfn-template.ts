/**
 * Reading a synthesized Caller Engine template in the infra tests: who may do what, and
 * whether the resources form a dependency cycle.
 */

export type CfnTemplate = { Resources: Record<string, CfnResourceJson>; Outputs?: Record<string, unknown> };
export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Condition?: string;
  Metadata?: Record<string, unknown>;
}
export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
  Sid?: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Logical id of the role a function runs as. */
export function roleOfFunction(template: CfnTemplate, functionLogicalId: string): string {
  const role = template.Resources[functionLogicalId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${functionLogicalId} has no role of this stack`);
  return id;
}

/** Every statement a role gets: its inline policies and the AWS::IAM::Policy resources attached to it. */
export function statementsOfRole(template: CfnTemplate, roleLogicalId: string): PolicyStatementJson[] {
  const role = template.Resources[roleLogicalId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const statements: PolicyStatementJson[] = [];
  for (const policy of asArray(role.Properties?.Policies as { PolicyDocument: { Statement: PolicyStatementJson[] } }[])) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = asArray(resource.Properties?.Roles as { Ref?: string }[]);
    if (!roles.some((r) => r.Ref === roleLogicalId)) continue;
    const doc = resource.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] };
    statements.push(...doc.Statement);
  }
  return statements;
}

/** The managed policies attached to a role (none is the goal). */
export function managedPoliciesOfRole(template: CfnTemplate, roleLogicalId: string): unknown[] {
  return asArray(template.Resources[roleLogicalId]?.Properties?.ManagedPolicyArns as unknown[]);
}

/** Every action of the statements, flattened. */
export function actionsOf(statements: PolicyStatementJson[]): string[] {
  return statements.flatMap((s) => asArray(s.Action));
}

/** `*` or `service:*` actions. */
export function wildcardActions(statements: PolicyStatementJson[]): string[] {
  return actionsOf(statements).filter((a) => a === '*' || a.endsWith(':*'));
}

/** Logical ids the statements' resources (for the given action prefix) point at, through Ref and Fn::GetAtt. */
export function referencedResources(statements: PolicyStatementJson[], actionPrefix?: string): Set<string> {
  const ids = new Set<string>();
  for (const s of statements) {
    if (actionPrefix && !actionsOf([s]).some((a) => a.startsWith(actionPrefix))) continue;
    collectReferences(s.Resource, ids);
  }
  return ids;
}

/** Every logical id a JSON fragment references. */
export function collectReferences(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) collectReferences(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (key === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string') into.add(v[0]);
      else if (key === 'Fn::Sub' && typeof v === 'string') {
        for (const m of v.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z.]+)?\}/g)) if (!m[1]!.startsWith('AWS')) into.add(m[1]!);
      } else collectReferences(v, into);
    }
  }
  return into;
}

/** A dependency cycle between resources (via Ref, Fn::GetAtt, Fn::Sub and DependsOn), or undefined. */
export function findCycle(template: CfnTemplate): string[] | undefined {
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const deps = collectReferences(resource.Properties);
    for (const d of asArray(resource.DependsOn)) deps.add(d);
    edges.set(id, new Set([...deps].filter((d) => d in template.Resources)));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Logical ids of resources of a type whose id starts with a prefix. */
export function resourcesOfType(template: CfnTemplate, type: string, idPrefix = ''): [string, CfnResourceJson][] {
  return Object.entries(template.Resources).filter(([id, r]) => r.Type === type && id.startsWith(idPrefix));
}
