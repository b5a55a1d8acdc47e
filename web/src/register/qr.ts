// Serials from QR labels: the label sheet encodes `kordon:asset:<serial>` (docs/register.md).
// Scanning uses the browser's BarcodeDetector with the rear camera where both exist; elsewhere
// the serial is typed.

const SERIAL = /^[A-Za-z0-9._/:#-]{1,128}$/;
const PREFIX = "kordon:asset:";

/** The serial a scanned text names, or null when it is not a Kordon label or a plain serial. */
export function serialFromCode(text: string): string | null {
  const value = text.trim();
  const serial = value.toLowerCase().startsWith(PREFIX) ? value.slice(PREFIX.length).trim() : value;
  return SERIAL.test(serial) ? serial : null;
}

interface DetectedBarcode {
  rawValue: string;
}

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}

type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorClass(): BarcodeDetectorClass | null {
  const candidate = (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector;
  return typeof candidate === "function" ? (candidate as BarcodeDetectorClass) : null;
}

/** Whether this browser can scan a QR code with the camera (BarcodeDetector and getUserMedia). */
export function canScan(): boolean {
  return (
    detectorClass() !== null &&
    typeof navigator !== "undefined" &&
    typeof navigator.mediaDevices?.getUserMedia === "function"
  );
}

/** Shows the rear camera in `video` until a Kordon label (or plain serial) is seen; resolves
 * with the serial. Stops the camera when done, failed or aborted. */
export async function scanSerial(video: HTMLVideoElement, signal: AbortSignal): Promise<string> {
  const Detector = detectorClass();
  if (!Detector) throw new Error("this browser cannot read QR codes; type the serial");
  const detector = new Detector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  try {
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    video.muted = true;
    await video.play();
    while (!signal.aborted) {
      const found = await detector.detect(video).catch(() => [] as DetectedBarcode[]);
      for (const code of found) {
        const serial = serialFromCode(code.rawValue);
        if (serial) return serial;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new DOMException("scan cancelled", "AbortError");
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
