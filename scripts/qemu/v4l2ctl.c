/* v4l2ctl DEVICE [NAME [VALUE]] — without NAME lists the controls; with NAME
 * sets the control of that name (case-insensitive) with VIDIOC_S_CTRL, VALUE
 * defaulting to 1 (a button press, e.g. vivid's "Disconnect").
 * Built with gcc -static for the QEMU guest, which has no v4l-utils. */
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) { fprintf(stderr, "usage: v4l2ctl DEVICE [NAME [VALUE]]\n"); return 2; }
	int fd = open(argv[1], O_RDWR);
	if (fd < 0) { perror(argv[1]); return 1; }
	struct v4l2_queryctrl q; memset(&q, 0, sizeof q);
	q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	while (ioctl(fd, VIDIOC_QUERYCTRL, &q) == 0) {
		if (argc == 2) {
			printf("0x%08x type=%d %s\n", q.id, q.type, (char *)q.name);
		} else if (strcasecmp((char *)q.name, argv[2]) == 0) {
			struct v4l2_control c = { .id = q.id, .value = argc > 3 ? atoi(argv[3]) : 1 };
			if (ioctl(fd, VIDIOC_S_CTRL, &c) < 0) { perror("VIDIOC_S_CTRL"); return 1; }
			printf("v4l2ctl: %s: %s (0x%08x) = %d\n", argv[1], q.name, q.id, c.value);
			return 0;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	if (argc == 2) return 0;
	fprintf(stderr, "v4l2ctl: %s: no control named %s\n", argv[1], argv[2]);
	return 1;
}
