package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// touchSize is the smallest height (and width) of anything the user taps:
// about 7 mm on the Raspberry Pi 7" touchscreen (800x480, 132 dpi), the
// size touch guidelines ask for. Fyne's default controls are 35-36 units.
const touchSize = 40

// touchTheme is Fyne's default theme with more room inside controls, so
// buttons, selects, entries, checks and tabs are touch size. Everything
// else (colours, fonts, icons, light/dark variant) is the default's.
type touchTheme struct{ fyne.Theme }

func newTouchTheme() fyne.Theme { return touchTheme{theme.DefaultTheme()} }

// Size raises the inner padding from 8 to 11: a one-line control is its
// text (19) plus twice that, 41 units.
func (t touchTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return 11
	}
	return t.Theme.Size(n)
}
