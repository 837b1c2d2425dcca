// The capability modules shown in the side navigation. Only `areas` ships in
// this release; the rest render a translated "not yet available" page.
export type ModuleId =
  | 'areas'
  | 'cases'
  | 'registry'
  | 'mediation'
  | 'participation'
  | 'services'
  | 'analytics'
  | 'emergency'
  | 'audit';

export interface ModuleInfo {
  id: ModuleId;
  available: boolean;
}

export const MODULES: readonly ModuleInfo[] = [
  { id: 'areas', available: true },
  { id: 'cases', available: false },
  { id: 'registry', available: false },
  { id: 'mediation', available: false },
  { id: 'participation', available: false },
  { id: 'services', available: false },
  { id: 'analytics', available: false },
  { id: 'emergency', available: false },
  { id: 'audit', available: false },
];

export const DEFAULT_MODULE: ModuleId = 'areas';

export function findModule(id: string): ModuleInfo | undefined {
  return MODULES.find((m) => m.id === id);
}
