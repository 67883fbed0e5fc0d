import Foundation

extension SearchConfiguration.Strategy {
    /// Strategies that keep islands, for which `spawn_after` can add more.
    public var hasIslands: Bool { self == .mapElites || self == .funsearch }
}

extension SearchConfiguration {
    /// `search.weighted`: settings of the `weighted` strategy.
    public struct Weighted: Sendable, Hashable, Codable {
        /// λ in sigmoid(λ·(s − median)/MAD): how sharply programs above the median are preferred.
        public var lambda: Double

        public init(lambda: Double = 1) {
            self.lambda = lambda
        }
    }

    /// `search.funsearch`: settings of the `funsearch` strategy.
    public struct FunSearch: Sendable, Hashable, Codable {
        /// Children between two resets of the weaker half of the islands.
        public var resetInterval: Int
        /// T0, the temperature of the softmax over score clusters when an island's count of
        /// programs is a multiple of `temperature_period`.
        public var temperature: Double
        /// Programs on an island over which the temperature cools from T0 towards 0, then starts again.
        public var temperaturePeriod: Int
        /// Scores are rounded to multiples of this before clustering; 0 clusters equal scores only.
        public var clusterPrecision: Double

        public init(resetInterval: Int = 50, temperature: Double = 1, temperaturePeriod: Int = 100, clusterPrecision: Double = 0) {
            self.resetInterval = resetInterval
            self.temperature = temperature
            self.temperaturePeriod = temperaturePeriod
            self.clusterPrecision = clusterPrecision
        }
    }
}

extension SearchConfiguration.Weighted {
    enum CodingKeys: String, CodingKey, CaseIterable { case lambda }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(lambda: try c.value(.lambda, default: Self().lambda))
        try c.require(lambda.isFinite && lambda > 0, .lambda, "lambda must be a positive number")
    }
}

extension SearchConfiguration.FunSearch {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case temperature
        case resetInterval = "reset_interval"
        case temperaturePeriod = "temperature_period"
        case clusterPrecision = "cluster_precision"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let d = Self()
        self.init(
            resetInterval: try c.value(.resetInterval, default: d.resetInterval),
            temperature: try c.value(.temperature, default: d.temperature),
            temperaturePeriod: try c.value(.temperaturePeriod, default: d.temperaturePeriod),
            clusterPrecision: try c.value(.clusterPrecision, default: d.clusterPrecision))
        try c.require(resetInterval >= 1, .resetInterval, "reset_interval must be at least 1")
        try c.require(temperature.isFinite && temperature > 0, .temperature, "the temperature must be a positive number")
        try c.require(temperaturePeriod >= 1, .temperaturePeriod, "temperature_period must be at least 1")
        try c.require(clusterPrecision.isFinite && clusterPrecision >= 0, .clusterPrecision, "cluster_precision cannot be negative (0: equal scores only)")
    }
}
