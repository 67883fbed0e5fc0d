import Logging

/// The logger the tests hand to components (libraries take a logger; they never make one).
public let testLogger = Logger(label: "evolve.test")
