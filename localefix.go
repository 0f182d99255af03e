package main

/*
#include <stdlib.h>
#include <string.h>

// Fyne's lang package reads the locale while Go initialises packages,
// before main can do anything, and logs three error lines to stderr when
// it is "C.UTF-8" (the C locale with a charset, usual in containers and
// over ssh, and not a BCP 47 tag), which would break lancam's one-line
// error messages. Plain "C" it skips silently. A constructor runs before
// Go starts and Go reads the environment from the original block, so the
// value is shortened there, in place: the first of LC_ALL, LC_MESSAGES
// and LANG that is set (the order the locale lookup uses), when it is
// "C.something", becomes "C". That also is what child processes get:
// the same C locale, ASCII-only.
__attribute__((constructor)) static void lancam_plain_c_locale(void) {
	const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (int i = 0; i < 3; i++) {
		char *v = getenv(names[i]);
		if (v == NULL || *v == '\0')
			continue;
		if (v[0] == 'C' && v[1] == '.')
			v[1] = '\0';
		return;
	}
}
*/
import "C"
