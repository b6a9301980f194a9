// What bench/run.ts runs: each section measures one thing and returns its Markdown (a table and notes).
export interface BenchSection {
  /** The section's heading in the output and in bench/RESULTS.md. */
  title: string;
  run(): Promise<string>;
}
