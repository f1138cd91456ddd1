// Scans waiting for the network, in IndexedDB (they survive a reload or a flat battery).
// Each keeps the idempotency key it was given when scanned, so a batch sent twice (its
// answer lost) changes nothing the second time: the server answers "replayed".
import { type IDBPDatabase, openDB } from "idb";

export interface ScanRecord {
  id: string; // Idempotency key.
  device: string;
  mode: string;
  code: string;
  at: string; // RFC 3339, when it was scanned (not when it was sent).
}

interface Queued {
  order: number; // Scan order: the server must apply them as they were made.
  record: ScanRecord;
}

// A queue bigger than this refuses new scans: a handheld offline that long needs a person.
export const kMaxQueuedScans = 20_000;

const kDatabase = "entrepot-scanner";
const kStore = "queued-scans";

export class ScanQueue {
  private constructor(private readonly db: IDBPDatabase) {}

  static async open(): Promise<ScanQueue> {
    const db = await openDB(kDatabase, 1, {
      upgrade(database) {
        database.createObjectStore(kStore, { keyPath: "order", autoIncrement: true });
      },
    });
    return new ScanQueue(db);
  }

  async count(): Promise<number> {
    return this.db.count(kStore);
  }

  // Adds a scan at the end; false when the queue is full.
  async push(record: ScanRecord): Promise<boolean> {
    if ((await this.count()) >= kMaxQueuedScans) return false;
    await this.db.add(kStore, { record } as Omit<Queued, "order">);
    return true;
  }

  // The oldest `limit` scans, in scan order.
  async peek(limit: number): Promise<Queued[]> {
    const queued: Queued[] = [];
    let cursor = await this.db.transaction(kStore).store.openCursor();
    while (cursor && queued.length < limit) {
      queued.push(cursor.value as Queued);
      cursor = await cursor.continue();
    }
    return queued;
  }

  // Removes scans the server answered.
  async remove(orders: number[]): Promise<void> {
    const transaction = this.db.transaction(kStore, "readwrite");
    await Promise.all([...orders.map((order) => transaction.store.delete(order)), transaction.done]);
  }
}
