// The handheld's side of the API: its device token (kept on the device, as a badge reader
// keeps its key), badge sign-in, the privacy notice to acknowledge (TRN-01), and scans
// sent one by one or, after a network cut, as a batch.
import { ApiError, getJson, send } from "./api";
import type { ScanRecord } from "./scan_queue";

export interface Device {
  name: string;
  token: string;
}

export interface ScanReply {
  outcome: string;
  message: string;
  prompt: string;
  replayed: boolean;
}

export interface NoticeState {
  version: string;
  required: boolean;
  acknowledged: boolean;
}

// GET /api/v1/privacy/notice: the notice of the site's policy in one language (TRN-02).
export interface Notice {
  version: string;
  title: string;
  intro: string;
  sections: { title: string; text: string }[];
}

// One line of a batch's answer: a reply, or the error of a malformed line.
export interface BatchLine extends Partial<ScanReply> {
  line: number;
  error?: { code: string; message: string };
}

const kDeviceKey = "entrepot.device";

export function savedDevice(): Device | null {
  const saved = localStorage.getItem(kDeviceKey);
  if (!saved) return null;
  try {
    return JSON.parse(saved) as Device;
  } catch {
    return null;
  }
}

// Checks the token with the server (it must be a device's, not a person's) and keeps it on
// this handheld under the device's name.
export async function registerDevice(token: string): Promise<Device> {
  const me = await getJson<{ kind?: string; device?: string }>("/api/v1/me", { token });
  if (me.kind !== "device" || !me.device) {
    throw new ApiError(
      400,
      "not_a_device_token",
      "This is a person's token: use a device token (Administration, Devices).",
    );
  }
  const device = { name: me.device, token };
  localStorage.setItem(kDeviceKey, JSON.stringify(device));
  return device;
}

export function forgetDevice(): void {
  localStorage.removeItem(kDeviceKey);
}

export async function badgeSignIn(device: Device, badge: string): Promise<NoticeState | null> {
  const answer = await getJson<{ signed_in: boolean; notice?: NoticeState }>("/api/v1/devices/session", {
    method: "POST",
    token: device.token,
    body: { badge },
  });
  return answer.notice ?? null;
}

export async function badgeSignOut(device: Device): Promise<void> {
  await send("/api/v1/devices/session", { method: "DELETE", token: device.token });
}

// The notice in `lang`, or in the site's first language when none is given.
export async function fetchNotice(device: Device, lang?: string): Promise<Notice> {
  return getJson<Notice>(`/api/v1/privacy/notice${lang ? `?lang=${lang}` : ""}`, { token: device.token });
}

export async function acknowledgeNotice(device: Device, version: string): Promise<void> {
  await send("/api/v1/devices/session/acknowledge", { method: "POST", token: device.token, body: { version } });
}

export async function sendScan(device: Device, record: ScanRecord): Promise<ScanReply> {
  return getJson<ScanReply>("/api/v1/scans", { method: "POST", token: device.token, body: record });
}

export async function sendBatch(device: Device, records: ScanRecord[]): Promise<BatchLine[]> {
  const response = await send("/api/v1/scans/batch", {
    method: "POST",
    token: device.token,
    contentType: "application/x-ndjson",
    body: records.map((record) => JSON.stringify(record)).join("\n") + "\n",
  });
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as BatchLine);
}
