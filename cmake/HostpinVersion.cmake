# SPDX-License-Identifier: Apache-2.0
# The version, in one place: the top entry of packaging/debian/changelog
# (hostpin is a native package, so that changelog is the project's own).
# Writing a release's entry there sets the version of the build, the
# packages, the tarball and the man pages.  Sets:
#   HOSTPIN_VERSION          as written there (0.1.0, 0.2.0+rc1, ...)
#   HOSTPIN_VERSION_NUMERIC  its leading numbers, for project()
#   HOSTPIN_DATE             the entry's date, YYYY-MM-DD (man pages)
set(_changelog ${CMAKE_CURRENT_LIST_DIR}/../packaging/debian/changelog)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_changelog})
file(READ ${_changelog} _text)
if(NOT _text MATCHES "^hostpin \\(([0-9][0-9A-Za-z.+~]*)\\) ")
  message(FATAL_ERROR "${_changelog}: the first line is not "
                      "\"hostpin (VERSION) ...\"")
endif()
set(HOSTPIN_VERSION ${CMAKE_MATCH_1})
string(REGEX MATCH "^[0-9]+(\\.[0-9]+)*" HOSTPIN_VERSION_NUMERIC
       ${HOSTPIN_VERSION})
if(NOT _text MATCHES "\n -- [^\n]*>  [A-Z][a-z][a-z], ([0-9][0-9]?) ([A-Z][a-z][a-z]) ([0-9][0-9][0-9][0-9]) ")
  message(FATAL_ERROR "${_changelog}: the first entry has no trailer "
                      "\" -- NAME <EMAIL>  DAY, DD MON YYYY HH:MM:SS +ZONE\"")
endif()
set(_day ${CMAKE_MATCH_1})
set(_year ${CMAKE_MATCH_3})
set(_months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
list(FIND _months ${CMAKE_MATCH_2} _month)
if(_month LESS 0)
  message(FATAL_ERROR "${_changelog}: no month \"${CMAKE_MATCH_2}\"")
endif()
math(EXPR _month "${_month} + 1")
if(_month LESS 10)
  set(_month 0${_month})
endif()
if(_day LESS 10)
  set(_day 0${_day})
endif()
set(HOSTPIN_DATE ${_year}-${_month}-${_day})
