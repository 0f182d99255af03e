package h264

// NAL unit types this package and its users look for.
const (
	nalIDR = 5
	nalSPS = 7
	nalPPS = 8
)

// NALTypes lists the types of the NAL units in Annex-B data, in order
// (e.g. 7, 8, 5 for a key picture with its parameter sets).
func NALTypes(data []byte) []int {
	var out []int
	for i := 0; i+3 < len(data); i++ {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 {
			out = append(out, int(data[i+3]&0x1F))
			i += 3
		}
	}
	return out
}

// hasNAL reports whether Annex-B data holds a NAL unit of type typ.
func hasNAL(data []byte, typ byte) bool {
	for _, t := range NALTypes(data) {
		if t == int(typ) {
			return true
		}
	}
	return false
}
