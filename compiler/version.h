/* version.h — the release this source is. The build id (build/gen/build_id.h,
 * a digest of the compiler's sources and stdlib) says which build it is. */
#ifndef INFRAC_VERSION_H
#define INFRAC_VERSION_H

#define INFRAC_VERSION "0.1.0"

#endif
