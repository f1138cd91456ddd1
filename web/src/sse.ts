// Server-Sent Events over fetch. The browser's EventSource cannot send an Authorization
// header, and the live feed needs one; this reader parses the same text/event-stream
// format (id, event, data, retry) and resumes with Last-Event-ID after a drop.

export interface StreamEvent {
  id: string;
  event: string;
  data: string;
}

export class EventStream {
  private controller: AbortController | null = null;
  private lastId = "";
  private retryMs = 3000;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly onEvent: (event: StreamEvent) => void,
    private readonly onState: (connected: boolean) => void,
  ) {}

  start(): void {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.controller?.abort();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.controller = new AbortController();
      try {
        await this.readOnce(this.controller.signal);
      } catch {
        // Dropped or refused: wait and reconnect from the last id.
      }
      this.onState(false);
      if (this.closed) return;
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  private async readOnce(signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${this.token}` };
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    const response = await fetch(this.url, { headers, signal });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    this.onState(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private dispatch(block: string): void {
    const event: StreamEvent = { id: "", event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (event.id) this.lastId = event.id;
    if (data.length === 0) return;
    event.data = data.join("\n");
    this.onEvent(event);
  }
}
