/**
 * A report as the staff pages and the `reports` CLI read it (reporter and target joined). Its own
 * module, free of Worker types, so the Node CLI can share it.
 */
export interface ReportRow {
  id: number;
  created_at: number;
  reporter: string;
  reporter_domain: string | null;
  target: string;
  target_domain: string | null;
  target_id: number;
  category: string;
  status_ids: string;
  rule_ids: string | null;
  forwarded: number;
  action_taken_at: number | null;
  comment: string;
}
