/**
 * What the kiosk keeps in the browser (IndexedDB), so that a page reload or a tablet restart
 * loses nothing: the results recorded while the server could not be reached (the offline
 * queue), the signed-in operators, and a snapshot of each work order opened while online.
 */

const DB_NAME = "mes_kiosk";
const DB_VERSION = 1;
const STORES = ["queue", "operators", "workorders", "meta"];

function promisify(request) {
    return new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

export class KioskStorage {
    constructor() {
        this._db = null;
    }

    async open() {
        if (this._db) {
            return this._db;
        }
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
            const db = request.result;
            for (const name of STORES) {
                if (!db.objectStoreNames.contains(name)) {
                    db.createObjectStore(name, { keyPath: name === "queue" ? "client_id" : "key" });
                }
            }
        };
        this._db = await promisify(request);
        return this._db;
    }

    async _store(name, mode = "readonly") {
        const db = await this.open();
        return db.transaction(name, mode).objectStore(name);
    }

    async all(name) {
        return promisify((await this._store(name)).getAll());
    }

    async get(name, key) {
        return promisify((await this._store(name)).get(key));
    }

    async put(name, value) {
        // resolved once the transaction is durable: a result is queued only when it is kept
        const db = await this.open();
        const tx = db.transaction(name, "readwrite");
        tx.objectStore(name).put(value);
        return new Promise((resolve, reject) => {
            tx.oncomplete = () => resolve(value);
            tx.onerror = () => reject(tx.error);
            tx.onabort = () => reject(tx.error);
        });
    }

    async delete(name, key) {
        const db = await this.open();
        const tx = db.transaction(name, "readwrite");
        tx.objectStore(name).delete(key);
        return new Promise((resolve, reject) => {
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
        });
    }

    /** The next number in the order results were recorded on this tablet. */
    async nextSequence() {
        const meta = (await this.get("meta", "sequence")) || { key: "sequence", value: 0 };
        meta.value += 1;
        await this.put("meta", meta);
        return meta.value;
    }

    async queued() {
        const items = await this.all("queue");
        return items.sort((a, b) => a.sequence - b.sequence);
    }
}
