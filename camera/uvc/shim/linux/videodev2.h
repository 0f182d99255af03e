/*
 * Shim for go4vl v0.5.0 on systems whose linux-libc-dev predates two fourccs
 * it names (Debian 12 ships 6.1 headers). Passed with CGO_CFLAGS=-I<this
 * folder>/.. ; on newer headers the guards make it a no-op.
 */
#include_next <linux/videodev2.h>

#ifndef V4L2_PIX_FMT_AV1_FRAME
#define V4L2_PIX_FMT_AV1_FRAME v4l2_fourcc('A', 'V', '1', 'F')
#endif

#ifndef V4L2_PIX_FMT_P012
#define V4L2_PIX_FMT_P012 v4l2_fourcc('P', '0', '1', '2')
#endif
