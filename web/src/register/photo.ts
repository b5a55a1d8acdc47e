// End-use check photos: a phone photo (often 4000 px, several MB) is redrawn in a canvas as a
// JPEG of at most 1600 px before upload, smaller still if needed, so the JSON request stays
// under the API's body limit (1 MiB by default, docs/register.md).

export interface Size {
  width: number;
  height: number;
}

/** Base64 characters the photo may take: the request body limit less room for the other fields. */
export const PHOTO_BUDGET_CHARS = 1_000_000;

/** The (longest side, JPEG quality) tried in order until the photo fits the budget. */
export const ENCODE_ATTEMPTS: readonly (readonly [number, number])[] = [
  [1600, 0.85],
  [1600, 0.7],
  [1280, 0.7],
  [1024, 0.65],
  [800, 0.6],
];

/** The size of an image scaled down (never up) so that its longest side is at most `maxPx`. */
export function fitWithin(size: Size, maxPx: number): Size {
  const longest = Math.max(size.width, size.height);
  if (longest <= maxPx || longest <= 0) return { width: size.width, height: size.height };
  const scale = maxPx / longest;
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/** Characters of the base64 text of `bytes` bytes. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

export interface EncodedPhoto {
  base64: string;
  bytes: number;
  size: Size;
  /** A URL of the encoded JPEG for a preview (revoke it when done). */
  previewUrl: string;
}

function blobOf(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the photo could not be encoded"))), "image/jpeg", quality);
  });
}

async function base64Of(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** Decodes the photo (honouring its EXIF orientation) and encodes it as a JPEG that fits. */
export async function downscalePhoto(file: Blob, budgetChars = PHOTO_BUDGET_CHARS): Promise<EncodedPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("the file is not an image this browser can read");
  }
  try {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d");
    if (!context) throw new Error("this browser cannot draw images");
    for (const [maxPx, quality] of ENCODE_ATTEMPTS) {
      const size = fitWithin({ width: bitmap.width, height: bitmap.height }, maxPx);
      canvas.width = size.width;
      canvas.height = size.height;
      context.fillStyle = "#fff"; // transparent PNG areas become white, not black
      context.fillRect(0, 0, size.width, size.height);
      context.drawImage(bitmap, 0, 0, size.width, size.height);
      const blob = await blobOf(canvas, quality);
      if (base64Length(blob.size) <= budgetChars) {
        return { base64: await base64Of(blob), bytes: blob.size, size, previewUrl: URL.createObjectURL(blob) };
      }
    }
    throw new Error("the photo is too detailed to send even when reduced; take it again closer");
  } finally {
    bitmap.close();
  }
}
