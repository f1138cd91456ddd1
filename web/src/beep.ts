// The sound of a scan's answer: one short high tone for accepted, two low ones for refused.
// A noisy floor hears the difference without looking at the screen.
let context: AudioContext | null = null;

function tone(frequency: number, startS: number, lengthS: number): void {
  if (!context) context = new AudioContext();
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = frequency;
  gain.gain.value = 0.15;
  oscillator.connect(gain).connect(context.destination);
  const now = context.currentTime;
  oscillator.start(now + startS);
  oscillator.stop(now + startS + lengthS);
}

export function beep(accepted: boolean): void {
  try {
    if (accepted) {
      tone(1760, 0, 0.08);
    } else {
      tone(220, 0, 0.18);
      tone(220, 0.25, 0.18);
    }
  } catch {
    // No audio on this device: the colour and the text still say it.
  }
}
