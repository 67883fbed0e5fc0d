import Foundation

extension EvolutionEvent {
    /// The event's name in the JSONL log and for subscribers: its case name in snake case
    /// (`programAdded` → `program_added`), taken from the type itself.
    public var name: String {
        let label = Mirror(reflecting: self).children.first?.label ?? "\(self)"
        return label.reduce(into: "") { name, character in
            if character.isUppercase {
                name += "_" + character.lowercased()
            } else {
                name.append(character)
            }
        }
    }

    /// The event's data (the case's payload).
    public var payload: any Encodable & Sendable {
        switch self {
        case .runStarted(let data): return data
        case .programAdded(let data): return data
        case .iterationFailed(let data): return data
        case .mutationRejected(let data): return data
        case .migration(let data): return data
        case .modelFault(let data): return data
        case .workInFlight(let data): return data
        case .runFinished(let data): return data
        }
    }
}
