// The shapes of the API answers more than one page reads (docs/API.md).

// GET /api/v1/flow (with ?step=: series).
export interface FlowAnswer {
  flows: { zone: string | null; process: string; units: number; movements: number }[];
  totals: { units: number; movements: number; by_process: { process: string; units: number; movements: number }[] };
  series?: FlowBucket[];
}

export interface FlowBucket {
  from: string;
  units: number;
  movements: number;
  by_process: Record<string, number>;
}

// GET /api/v1/cutoffs.
export interface CutoffAnswer {
  units_per_minute: number | null;
  cutoffs: CutoffGroup[];
  cutoffs_truncated: boolean;
  at_risk: string[];
  at_risk_truncated: boolean;
}

export interface CutoffGroup {
  carrier: string;
  cutoff: string;
  orders: number;
  units: number;
  picked: number;
  packed: number;
  shipped: number;
  short: number;
  work_left: number;
  projected_completion: string | null;
  at_risk: boolean;
}
