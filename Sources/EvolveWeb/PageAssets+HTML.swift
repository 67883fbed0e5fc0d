extension PageAssets {
    /// The page's index.html, served as is.
    static let html = ##"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Evolve</title>
    <link rel="stylesheet" href="/app.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header>
      <h1>Evolve</h1>
      <select id="run-select" aria-label="run"></select>
      <span id="live-badge" hidden>live</span>
      <nav>
        <a href="#view=overview">Overview</a>
        <a href="#view=lineage">Lineage</a>
        <a href="#view=archive">Archive</a>
        <a href="#view=models">Models</a>
        <a href="#view=compare">Compare</a>
      </nav>
    </header>
    <main>
      <section id="overview">
        <div id="cards" class="cards"></div>
        <div class="row">
          <div class="panel wide">
            <h2>Score <select id="score-axis" aria-label="x axis"><option value="iteration">by iteration</option><option value="index">by evaluation</option><option value="seconds">by wall clock</option></select></h2>
            <div id="score-chart" class="chart"></div>
          </div>
          <div class="panel">
            <h2>Failures</h2><div id="failures"></div>
            <h2>Faults</h2><div id="faults"></div>
          </div>
        </div>
      </section>
      <section id="lineage">
        <div class="panel wide">
          <h2>Lineage <small id="lineage-count"></small> <small class="hint">scroll to zoom, drag to move, click a node to open it</small></h2>
          <div id="lineage-tree" class="tree"></div>
        </div>
      </section>
      <section id="archive"><div class="panel wide"><h2>Archive <small id="archive-axes"></small></h2><div id="archive-grids" class="grids"></div></div></section>
      <section id="models"><div class="panel wide"><h2>Models</h2><div id="models-table"></div></div></section>
      <section id="compare"><div class="panel wide"><h2>Compare: best score so far</h2><div id="compare-runs"></div><div id="compare-chart" class="chart"></div></div></section>
      <section id="program" hidden>
        <div class="panel wide">
          <h2 id="program-title"></h2>
          <div id="program-facts" class="facts"></div>
          <h3>Path from the start</h3><div id="program-path" class="links"></div>
          <h3>Children</h3><div id="program-children" class="links"></div>
          <div id="program-failure" class="failure" hidden></div>
          <h3>Diff against its parent</h3><pre id="program-diff" class="diff"></pre>
          <h3>Code</h3><pre id="program-code"></pre>
          <h3>Model answer</h3><pre id="program-answer"></pre>
          <h3>Answers of this iteration</h3><div id="program-attempts"></div>
          <h3>Prompt</h3><pre id="program-prompt" class="small"></pre>
          <h3>Evaluation output</h3><pre id="program-stdout" class="small"></pre><pre id="program-stderr" class="small"></pre>
          <h3>Metrics and artifacts</h3><pre id="program-artifacts" class="small"></pre>
        </div>
      </section>
    </main>
    </body>
    </html>
    """##
}
