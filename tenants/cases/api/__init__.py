"""The GovStack Registration building block API of a municipality's Citizen Service Office, at
/api/registration/ on its own host: the catalogue's services and their forms, applications
(cases), documents, the steps an applicant takes (tasks) and statistics. See docs/cases-api.md."""
