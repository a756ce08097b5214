/**
 * Fetch slots, pure (no timers, no I/O): at most `capacity` fetches run at once; waiting demand
 * fetches (a reader is blocked on them) always start before waiting prefetches, and prefetches
 * never hold more than `prefetchCapacity` slots, so a demand fetch never waits for more than the
 * demand fetches ahead of it. A queued prefetch that a reader starts waiting on is boosted to
 * demand.
 */

export type FetchPriority = 'demand' | 'prefetch';

export interface SlotTask {
  priority: FetchPriority;
  /** Called when the task gets its slot; it must call `release(task)` when done. */
  start(): void;
}

export class SlotQueue {
  readonly capacity: number;
  readonly prefetchCapacity: number;
  #running = new Map<SlotTask, FetchPriority>();
  #runningPrefetch = 0;
  #demand: SlotTask[] = [];
  #prefetch: SlotTask[] = [];

  constructor(capacity: number, prefetchCapacity = Math.max(1, capacity - 1)) {
    this.capacity = capacity;
    this.prefetchCapacity = Math.min(prefetchCapacity, capacity);
  }

  get running(): number {
    return this.#running.size;
  }

  get queued(): number {
    return this.#demand.length + this.#prefetch.length;
  }

  submit(task: SlotTask): void {
    (task.priority === 'demand' ? this.#demand : this.#prefetch).push(task);
    this.#pump();
  }

  /** Makes a queued or running task a demand task (a reader waits on it). */
  boost(task: SlotTask): void {
    if (task.priority === 'demand') return;
    task.priority = 'demand';
    const i = this.#prefetch.indexOf(task);
    if (i !== -1) {
      this.#prefetch.splice(i, 1);
      this.#demand.push(task);
      this.#pump();
    }
  }

  /** Removes a task that has not started; false when it was not queued. */
  cancel(task: SlotTask): boolean {
    for (const queue of [this.#demand, this.#prefetch]) {
      const i = queue.indexOf(task);
      if (i !== -1) {
        queue.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Frees the slot of a started task (idempotent). */
  release(task: SlotTask): void {
    const as = this.#running.get(task);
    if (as === undefined) return;
    this.#running.delete(task);
    if (as === 'prefetch') this.#runningPrefetch -= 1;
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.capacity) {
      let task = this.#demand.shift();
      if (task === undefined && this.#runningPrefetch < this.prefetchCapacity) task = this.#prefetch.shift();
      if (task === undefined) return;
      this.#running.set(task, task.priority);
      if (task.priority === 'prefetch') this.#runningPrefetch += 1;
      task.start();
    }
  }
}
