// Shapes of the Grassroots REST API (v1) as the web app uses them.
import type { FeatureCollection, Geometry, MultiPolygon } from 'geojson';

export type AreaLevel = 'city' | 'district' | 'street' | 'community' | 'grid';

export const AREA_LEVELS: readonly AreaLevel[] = ['city', 'district', 'street', 'community', 'grid'];

export interface RoleAssignment {
  role: string;
  areaId: number | null;
  areaCode: string | null;
  areaNameZh: string | null;
  areaNameEn: string | null;
}

export interface User {
  id: number;
  username: string;
  displayName: string;
  roles: RoleAssignment[];
}

export interface AppConfig {
  tileUrl: string | null;
  tileAttribution: string | null;
  defaultLanguage: 'zh-CN' | 'en';
}

export interface AreaNode {
  id: number;
  parentId: number | null;
  level: AreaLevel;
  code: string;
  nameZh: string;
  nameEn: string;
  retired: boolean;
  children: AreaNode[];
}

export interface AreaRef {
  id: number;
  level: AreaLevel;
  code: string;
  nameZh: string;
  nameEn: string;
}

export interface AreaDetail extends AreaRef {
  parentId: number | null;
  retiredAt: string | null;
  areaM2: number;
  boundary: MultiPolygon | null;
  ancestors: AreaRef[];
}

export interface AreaFeatureProps {
  id: number;
  parentId: number | null;
  level: AreaLevel;
  code: string;
  nameZh: string;
  nameEn: string;
}

export type AreaFeatureCollection = FeatureCollection<Geometry, AreaFeatureProps>;

export interface Coverage {
  areaId: number;
  childCount: number;
  gaps: { geometry: Geometry; areaM2: number }[];
  overlaps: { areaIds: [number, number]; geometry: Geometry; areaM2: number }[];
  outside: { areaId: number; geometry: Geometry; areaM2: number }[];
  gapM2: number;
  overlapM2: number;
  outsideM2: number;
  seamless: boolean;
}

/** The level directly below `level`, or null for grids. */
export function childLevel(level: AreaLevel): AreaLevel | null {
  return AREA_LEVELS[AREA_LEVELS.indexOf(level) + 1] ?? null;
}
