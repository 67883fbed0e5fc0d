extension PageAssets {
    /// The page's app.css, served as is.
    static let style = ##"""
    :root { --bg: #f6f7f9; --fg: #1d2330; --muted: #6b7280; --panel: #fff; --line: #e3e6eb; --accent: #2563eb; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
    header { display: flex; gap: 14px; align-items: center; padding: 10px 20px; background: #111827; color: #fff; }
    header h1 { font-size: 18px; margin: 0; }
    header nav { display: flex; gap: 12px; margin-left: auto; }
    header nav a { color: #cbd5e1; text-decoration: none; }
    header nav a.active, header nav a:hover { color: #fff; }
    #live-badge { background: #16a34a; color: #fff; border-radius: 9px; padding: 1px 8px; font-size: 12px; }
    main { padding: 16px 20px; }
    section[hidden] { display: none; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-bottom: 14px; }
    .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
    .card .label { color: var(--muted); font-size: 12px; }
    .card .value { font-size: 20px; font-weight: 600; }
    .card.best .value { color: var(--accent); font-size: 26px; }
    .row { display: flex; gap: 14px; flex-wrap: wrap; }
    .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; flex: 1 1 260px; min-width: 0; }
    .panel.wide { flex: 3 1 600px; }
    h2 { font-size: 15px; margin: 0 0 8px; }
    h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); }
    small { color: var(--muted); font-weight: normal; }
    .chart svg, .tree svg { width: 100%; display: block; }
    .tree svg { height: 520px; border: 1px solid var(--line); border-radius: 6px; cursor: grab; background: #fbfcfd; }
    .node { cursor: pointer; }
    .node:hover circle { stroke: #000; stroke-width: 2; }
    .edge { stroke: #cbd5e1; fill: none; }
    .axis { stroke: #9ca3af; }
    .tick { fill: var(--muted); font-size: 10px; }
    pre { background: #0f172a; color: #e2e8f0; padding: 10px; border-radius: 6px; overflow: auto; max-height: 480px; white-space: pre; font: 12px/1.4 ui-monospace, monospace; }
    pre.small { max-height: 220px; }
    .diff .add { background: #14532d; display: block; }
    .diff .del { background: #7f1d1d; display: block; }
    .diff .same { display: block; color: #94a3b8; }
    .facts span { margin-right: 16px; }
    .links a { margin-right: 8px; font-family: ui-monospace, monospace; font-size: 12px; }
    .failure { background: #fef2f2; border: 1px solid #fecaca; padding: 8px; border-radius: 6px; white-space: pre-wrap; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
    th:first-child, td:first-child { text-align: left; }
    .grids { display: flex; flex-wrap: wrap; gap: 16px; }
    .grid h3 { margin-top: 0; }
    .grid rect.cell { cursor: pointer; }
    .kv div { display: flex; justify-content: space-between; border-bottom: 1px solid var(--line); padding: 2px 0; }
    .status-success { fill: #2563eb; } .status-crashed { fill: #dc2626; } .status-timeout { fill: #f59e0b; }
    .status-invalid_result { fill: #a855f7; } .status-below_threshold { fill: #0d9488; } .status-sandbox_error { fill: #111827; }
    .origin-initial { fill: #16a34a; }
    .legend span { margin-right: 10px; font-size: 12px; }
    """##
}
