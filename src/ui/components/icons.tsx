// UI icons as inline SVG (emoji glyphs depend on the system's fonts; these do not).
const common = {
  width: 18,
  height: 18,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
  'aria-hidden': 'true',
} as const;

export const PenIcon = () => (
  <svg {...common}>
    <path d="M12 20h9" />
    <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4Z" />
  </svg>
);

export const GearIcon = () => (
  <svg {...common}>
    <circle cx="12" cy="12" r="3" />
    <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z" />
  </svg>
);

export const LockIcon = () => (
  <svg {...common}>
    <rect x="4" y="11" width="16" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </svg>
);

export const BackIcon = () => (
  <svg {...common}>
    <path d="M19 12H5" />
    <path d="m12 19-7-7 7-7" />
  </svg>
);

export const MoreIcon = () => (
  <svg {...common}>
    <circle cx="5" cy="12" r="1" />
    <circle cx="12" cy="12" r="1" />
    <circle cx="19" cy="12" r="1" />
  </svg>
);

export const PinIcon = ({ size = 18 }: { size?: number }) => (
  <svg {...common} width={size} height={size}>
    <path d="M12 17v5" />
    <path d="M9 10.8V4h6v6.8l3 3.2v2H6v-2Z" />
  </svg>
);

export const MutedIcon = ({ size = 18 }: { size?: number }) => (
  <svg {...common} width={size} height={size}>
    <path d="M8.7 3.7A6 6 0 0 1 18 8c0 3 .6 5 1.3 6.4" />
    <path d="M17 17H3s3-2 3-9c0-.6.1-1.2.3-1.8" />
    <path d="M10.3 21a1.9 1.9 0 0 0 3.4 0" />
    <path d="m2 2 20 20" />
  </svg>
);

export const ArchiveIcon = ({ size = 18 }: { size?: number }) => (
  <svg {...common} width={size} height={size}>
    <rect x="2" y="3" width="20" height="5" rx="1" />
    <path d="M4 8v11a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8" />
    <path d="M10 12h4" />
  </svg>
);

export const CheckAllIcon = () => (
  <svg {...common}>
    <path d="M18 6 7 17l-5-5" />
    <path d="m22 10-7.5 7.5L13 16" />
  </svg>
);

export const KeyboardIcon = ({ size = 18 }: { size?: number }) => (
  <svg {...common} width={size} height={size}>
    <rect x="2" y="5" width="20" height="14" rx="2" />
    <path d="M6 9h.01M10 9h.01M14 9h.01M18 9h.01M6 13h.01M18 13h.01M9 15h6" />
  </svg>
);

export const PaperclipIcon = () => (
  <svg {...common}>
    <path d="m21 12-8.6 8.6a5.7 5.7 0 0 1-8-8L13 4a3.8 3.8 0 0 1 5.4 5.4l-8.6 8.6a1.9 1.9 0 0 1-2.7-2.7l8-8" />
  </svg>
);

export const FileIcon = () => (
  <svg {...common}>
    <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9Z" />
    <path d="M14 3v6h6" />
  </svg>
);

export const PlusIcon = ({ size = 18 }: { size?: number }) => (
  <svg {...common} width={size} height={size}>
    <path d="M12 5v14M5 12h14" />
  </svg>
);

export const CaretIcon = () => (
  <svg {...common} width={14} height={14}>
    <path d="m6 9 6 6 6-6" />
  </svg>
);
