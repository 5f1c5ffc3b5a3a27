"""Two-factor sign-in for the ministry console and for municipal staff who read personal data.

django-otp keeps the devices (an authenticator app's TOTP key, a sheet of single-use backup
codes) beside the users they belong to: in the public schema for the ministry, in each
municipality's schema for its staff, so a device of one municipality means nothing in another.
`policy` decides who must use a second factor, `middleware` keeps everything behind it until the
session is verified, `views` enrol and verify.
"""
