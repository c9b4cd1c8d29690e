/// `PUT /api/v1/rollouts/{id}/weight`: the canary's share, either exactly in
/// parts per million (`{"weight_ppm": 50000}`) or in percent (`{"percent": 5}`),
/// exactly one of the two.
public struct WeightRequest: Codable, Sendable, Equatable {
    public var weightPPM: UInt32?
    public var percent: Double?

    public init(weightPPM: UInt32) {
        self.weightPPM = weightPPM
    }

    public init(percent: Double) {
        self.percent = percent
    }

    private enum CodingKeys: String, CodingKey {
        case weightPPM = "weight_ppm"
        case percent
    }

    /// Reads a body strictly (``StrictJSON``): an object with exactly one of
    /// `percent` (a JSON number from 0 to 100) or `weight_ppm` (a whole JSON
    /// number from 0 to 1 000 000); a boolean, a string, null, another
    /// field or both fields are refused with a sentence naming the field.
    public static func strict(_ body: some Collection<UInt8>) throws(CoordinatorError) -> WeightRequest {
        let fields = try StrictJSON.fields(of: body, allowed: ["percent", "weight_ppm"],
                                           example: #"{"percent": 5} or {"weight_ppm": 50000}"#)
        switch (fields["percent"], fields["weight_ppm"]) {
        case (.some, .some):
            throw CoordinatorError(.badRequest, "send either percent or weight_ppm, not both")
        case (.some(let value), nil):
            let number = try StrictJSON.number(value, field: "percent", in: 0...100)
            return WeightRequest(percent: number)
        case (nil, .some(let value)):
            let number = try StrictJSON.number(value, field: "weight_ppm", in: 0...1_000_000)
            guard number == number.rounded() else {
                throw CoordinatorError(.badRequest, "weight_ppm must be a whole number from 0 to 1000000, got \(value.typeName)")
            }
            return WeightRequest(weightPPM: UInt32(number))
        case (nil, nil):
            throw CoordinatorError(.badRequest, #"the body must name "percent" or "weight_ppm", like {"percent": 5}"#)
        }
    }

    /// The share in parts per million (percent rounded to the nearest ppm).
    public var ppm: UInt32 {
        if let weightPPM { return weightPPM }
        return UInt32(((percent ?? 0) * 10_000).rounded())
    }
}

extension StrictJSON {
    /// The members of a body that must be one JSON object with only `allowed` keys.
    static func fields(of body: some Collection<UInt8>, allowed: [String], example: String) throws(CoordinatorError) -> [String: StrictJSON] {
        guard case .object(let members) = try parse(body) else {
            throw CoordinatorError(.badRequest, "the body must be a JSON object like \(example)")
        }
        var fields: [String: StrictJSON] = [:]
        for (key, value) in members {
            guard allowed.contains(key) else {
                throw CoordinatorError(.badRequest, "unknown field \"\(key)\" in the body; allowed: \(allowed.joined(separator: ", "))")
            }
            fields[key] = value
        }
        return fields
    }

    /// A JSON number (not a boolean, string or null), finite, within `range`.
    static func number(_ value: StrictJSON, field: String, in range: ClosedRange<Double>) throws(CoordinatorError) -> Double {
        let bounds = "from \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))"
        guard case .number(let text) = value else {
            throw CoordinatorError(.badRequest, "\(field) must be a JSON number \(bounds), got \(value.typeName)")
        }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw CoordinatorError(.badRequest, "\(field) must be \(bounds), got \(text)")
        }
        return number
    }

    static func text(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
