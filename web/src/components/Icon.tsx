// Small stroke icons drawn inline so the app needs no icon font or extra package.
const PATHS = {
  areas: 'M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3z M9 3v15 M15 6v15',
  cases: 'M9 3h6v3H9z M7 4.5H5V21h14V4.5h-2 M9 13l2 2 4-4',
  registry:
    'M12 3c4.4 0 8 1.3 8 3s-3.6 3-8 3-8-1.3-8-3 3.6-3 8-3z M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6 M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  care: 'M12 20s-6.5-4-6.5-9A3.5 3.5 0 0 1 12 8.5 3.5 3.5 0 0 1 18.5 11c0 5-6.5 9-6.5 9z M3 7h3 M4.5 5.5v3 M17 4h4',
  mediation: 'M12 4v16 M7 20h10 M5 7h14 M5 7l-3 7h6z M19 7l-3 7h6z',
  participation: 'M4 5h16v10H10l-5 4v-4H4z M8 9h8 M8 12h5',
  services: 'M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z',
  analytics: 'M3 20h18 M6 20v-8 M11 20V5 M16 20v-5 M21 20V9',
  emergency: 'M12 3l10 18H2z M12 10v5 M12 18v.01',
  devices: 'M5 9a10 10 0 0 1 14 0 M8 12.5a5.5 5.5 0 0 1 8 0 M12 16.5v.01 M2 5.5a15 15 0 0 1 20 0',
  party: 'M4 21V4 M4 4h12l-2 4 2 4H4 M8 21h8',
  training: 'M2 8l10-5 10 5-10 5z M6 10v5c0 1.7 2.7 3 6 3s6-1.3 6-3v-5 M22 8v6',
  'monthly-reports': 'M6 2h9l5 5v15H6z M14 2v6h6 M9 17v-3 M12 17v-6 M15 17v-4',
  warnings: 'M3 17l5-6 4 3 5-8 4 5 M17 6h4v4 M12 21v.01',
  'case-map': 'M9 4L3 6v14l6-2 6 2 6-2V4l-6 2z M9 4v14 M15 6v14',
  topics: 'M4 4h16v12H8l-4 4z M8 8h8 M8 12h5',
  grid: 'M4 20c3-6 13-2 16-8 M4 4h6v6H4z M14 14h6v6h-6z M7 10v3 M17 11v3',
  components: 'M12 3a9 9 0 1 0 0 18 9 9 0 1 0 0-18z M12 7a5 5 0 1 0 0 10 5 5 0 1 0 0-10z M7 12h10 M12 7v10',
  assessment: 'M5 21V10 M12 21V4 M19 21v-7 M3 21h18 M9 7l3-3 3 3',
  audit: 'M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z M9 12l2 2 4-4',
  report: 'M12 21s-7-6.2-7-11.5A7 7 0 0 1 19 9.5C19 14.8 12 21 12 21z M12 6.5v5 M9.5 9h5',
  'my-cases': 'M6 3h9l4 4v14H6z M14 3v5h5 M9 13h7 M9 17h5',
  tasks: 'M4 6l2 2 3-3 M4 13l2 2 3-3 M12 7h8 M12 14h8 M4 20h16',
  supervision: 'M12 3v2 M12 19v2 M3 12h2 M19 12h2 M12 8a4 4 0 1 1 0 8 4 4 0 0 1 0-8z M12 11v2',
  inbox: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0',
  dashboard: 'M4 19a8 8 0 1 1 16 0 M12 19l4-6 M4 19h16',
  track: 'M11 4a7 7 0 1 1 0 14 7 7 0 0 1 0-14z M20 20l-4-4 M8 11h6 M11 8v6',
  menu: 'M4 6h16 M4 12h16 M4 18h16',
  logout: 'M14 4h5v16h-5 M9 8l-4 4 4 4 M5 12h11',
  chevron: 'M9 6l6 6-6 6',
  close: 'M6 6l12 12 M18 6L6 18',
} as const

export type IconName = keyof typeof PATHS

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  )
}
