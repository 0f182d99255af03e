package camera

import (
	"strconv"
	"strings"
	"time"
)

// FormatOverlay expands an overlay format at time t, like strftime with
// the conversions people put on camera pictures: %Y %m %d %H %M %S, %y,
// %b (Jan), %a (Mon), %j (day of year), %Z (zone), %z (+0100), %L
// (milliseconds), %N (the camera's name) and %%. Anything else is kept as
// written, so a typo shows instead of vanishing.
func FormatOverlay(format string, t time.Time, name string) string {
	if !strings.Contains(format, "%") {
		return format
	}
	var b strings.Builder
	two := func(n int) { b.WriteString(strconv.Itoa(n/10%10) + strconv.Itoa(n%10)) }
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			two(t.Year() % 100)
		case 'm':
			two(int(t.Month()))
		case 'd':
			two(t.Day())
		case 'H':
			two(t.Hour())
		case 'M':
			two(t.Minute())
		case 'S':
			two(t.Second())
		case 'L':
			b.WriteString(t.Format(".000")[1:])
		case 'j':
			b.WriteString(t.Format("002"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'N':
			b.WriteString(name)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
