/* producer DEVICE WxH FPS DIR — a v4l2loopback MJPEG producer for the QEMU
 * tests: sets the output format to MJPG WxH, then write()s the *.jpg files of
 * DIR (sorted by name) one per frame, in a loop, FPS times a second.
 * While the file /tmp/producer.pause exists it writes nothing (a stall);
 * SIGSTOP/SIGCONT work as well. Built with gcc -static. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct frame { char *data; size_t len; };

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
	if (argc != 5) { fprintf(stderr, "usage: producer DEVICE WxH FPS DIR\n"); return 2; }
	unsigned w, h; double fps = atof(argv[3]);
	if (sscanf(argv[2], "%ux%u", &w, &h) != 2 || fps <= 0) { fprintf(stderr, "producer: bad size or fps\n"); return 2; }
	DIR *d = opendir(argv[4]);
	if (!d) { perror(argv[4]); return 1; }
	char *names[1024]; int n = 0; struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".jpg") == 0) names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n == 0) { fprintf(stderr, "producer: no .jpg in %s\n", argv[4]); return 1; }
	qsort(names, n, sizeof names[0], cmp);
	struct frame *fr = calloc(n, sizeof *fr); size_t maxlen = 0;
	for (int i = 0; i < n; i++) {
		char p[4096]; snprintf(p, sizeof p, "%s/%s", argv[4], names[i]);
		FILE *f = fopen(p, "rb"); struct stat st;
		if (!f || fstat(fileno(f), &st)) { perror(p); return 1; }
		fr[i].len = st.st_size; fr[i].data = malloc(st.st_size);
		if (fread(fr[i].data, 1, st.st_size, f) != (size_t)st.st_size) { perror(p); return 1; }
		fclose(f);
		if (fr[i].len > maxlen) maxlen = fr[i].len;
	}
	int fd = open(argv[1], O_RDWR);
	if (fd < 0) { perror(argv[1]); return 1; }
	struct v4l2_format fmt; memset(&fmt, 0, sizeof fmt);
	fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	fmt.fmt.pix.width = w; fmt.fmt.pix.height = h;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	fmt.fmt.pix.sizeimage = maxlen;
	if (ioctl(fd, VIDIOC_S_FMT, &fmt) < 0) { perror("VIDIOC_S_FMT"); return 1; }
	if (fmt.fmt.pix.sizeimage < maxlen) {
		fprintf(stderr, "producer: buffer %u < largest frame %zu\n", fmt.fmt.pix.sizeimage, maxlen); return 1;
	}
	struct v4l2_streamparm parm; memset(&parm, 0, sizeof parm);
	parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	parm.parm.output.timeperframe.numerator = 1000;
	parm.parm.output.timeperframe.denominator = (unsigned)(fps * 1000);
	ioctl(fd, VIDIOC_S_PARM, &parm); /* best effort */
	fprintf(stderr, "producer: %s %ux%u MJPG %.1f fps, %d frames from %s\n", argv[1], w, h, fps, n, argv[4]);
	long long period = (long long)(1e9 / fps), written = 0;
	struct timespec next; clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 0;; i = (i + 1) % n) {
		while (access("/tmp/producer.pause", F_OK) == 0) usleep(10000);
		if (write(fd, fr[i].data, fr[i].len) != (ssize_t)fr[i].len) { perror("producer: write"); usleep(100000); }
		written++;
		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000) { next.tv_nsec -= 1000000000; next.tv_sec++; }
		struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec + 1) next = now; /* paused or starved: do not burst */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}
