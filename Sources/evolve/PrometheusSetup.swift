import Metrics
import Prometheus

/// swift-metrics goes to a Prometheus registry, for `/metrics`: set up only when a page is served
/// (`evolve serve`, `evolve run --ui`), once per process.
enum PrometheusSetup {
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
