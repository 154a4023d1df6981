/**
 * The app icons, drawn in code so they can be regenerated and checked: a shield with an eye (insider
 * risk, watched over). Teams wants a 192×192 full-colour icon and a 32×32 outline icon that is white
 * on a transparent background.
 */
import { encodePng, type RgbaImage } from './png.js';

export const BRAND_COLOR = '#4B2C8C';
export const COLOR_ICON = { file: 'color.png', size: 192 } as const;
export const OUTLINE_ICON = { file: 'outline.png', size: 32 } as const;

/** Shapes in a square of side 2 centred on 0 (u to the right, v downwards). */
type Shape = (u: number, v: number) => boolean;

const shield =
  (scale: number): Shape =>
  (u, v) => {
    const [x, y] = [u / scale, (v - 0.02) / scale];
    if (y < -0.8 || y > 0.9) return false;
    const t = Math.max(0, y) / 0.9;
    return Math.abs(x) <= 0.7 * (1 - t * t);
  };

const circle =
  (radius: number, cv = EYE_CENTER): Shape =>
  (u, v) =>
    u * u + (v - cv) ** 2 <= radius * radius;

const EYE_CENTER = -0.08;
/** An almond: the overlap of two circles, 0.84 wide and 0.44 high. */
const eye: Shape = (u, v) => {
  const [r, c] = [0.511, 0.291];
  const y = v - EYE_CENTER;
  return u * u + (y - c) ** 2 <= r * r && u * u + (y + c) ** 2 <= r * r;
};

const SAMPLES = 4;

/** Renders `layers` back to front, each a shape and its RGBA colour, with 4×4 supersampling. */
function render(size: number, layers: readonly (readonly [Shape, readonly [number, number, number, number]])[], background: readonly [number, number, number, number]): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = ((px + (sx + 0.5) / SAMPLES) / size) * 2 - 1;
          const v = ((py + (sy + 0.5) / SAMPLES) / size) * 2 - 1;
          let colour = background;
          for (const [shape, c] of layers) if (shape(u, v)) colour = c;
          colour.forEach((channel, i) => (sum[i] = (sum[i] ?? 0) + channel));
        }
      }
      sum.forEach((total, i) => (pixels[(py * size + px) * 4 + i] = Math.round(total / (SAMPLES * SAMPLES))));
    }
  }
  return { width: size, height: size, pixels };
}

function rgb(hex: string): [number, number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, 255];
}

export function colorIcon(): Uint8Array {
  const [brand, white] = [rgb(BRAND_COLOR), rgb('#FFFFFF')];
  return encodePng(render(COLOR_ICON.size, [[shield(0.82), white], [eye, brand], [circle(0.13), white], [circle(0.06), brand]], brand));
}

/** White everywhere, so anti-aliased edges only vary the alpha: every pixel is white or transparent. */
export function outlineIcon(): Uint8Array {
  const [white, clear] = [[255, 255, 255, 255], [255, 255, 255, 0]] as const;
  const ring: Shape = (u, v) => shield(0.95)(u, v) && !shield(0.72)(u, v);
  return encodePng(render(OUTLINE_ICON.size, [[ring, white], [eye, white], [circle(0.14), clear], [circle(0.07), white]], clear));
}
